"""A delegate's own data: see, download and erase it; retention."""

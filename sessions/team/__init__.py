"""An event's team: its facilitators and organisers, and the invitation links that add them."""

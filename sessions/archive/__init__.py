"""The archive of a finished workshop: its record, share link and exports."""

"""The demo's modules beyond the desk, one file each: what each screen shows after ``hotline demo``."""

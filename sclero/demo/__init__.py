"""The demo clinic: synthetic patients, staff and treatment courses (never real people)."""

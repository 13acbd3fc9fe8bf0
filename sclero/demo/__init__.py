"""The demo clinic: realistic synthetic patients, staff and treatment courses (never real people)."""

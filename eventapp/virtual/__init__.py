"""Virtual sessions: links, reveal windows, joins, attendance, reminders and recordings."""

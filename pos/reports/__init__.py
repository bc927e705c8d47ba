"""Reports: each booth's daily summary and day close, the organizer's dashboard and
event report, and settlement statements."""

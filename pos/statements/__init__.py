"""Sales statements: what a booth sold at the fair, issued by the organizer, frozen at
issue, verifiable by anyone (a bank) at /v/<token>."""

"""What the apps' pages, admin, e-mails and commands share: turning use case answers into
messages, the admin actions toolkit and how moments and counts are written. Framework code
only; it knows no app."""

"""What the apps' pages and admin share: turning use case answers into messages and the admin
actions toolkit. Framework code only; it knows no app."""

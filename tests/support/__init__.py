"""What the tests share; nothing here is collected as a test (README.md, "Tests")."""

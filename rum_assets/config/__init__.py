"""Configuration: every environment variable, and the settings read from them when the code location loads."""

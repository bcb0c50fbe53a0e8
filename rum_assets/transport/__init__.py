"""HTTP shared by both vendor clients: resilient calls, read-ahead paging, payload validation, errors."""

"""What is printed: each answer's record built once, then written as text, JSON or CSV; tables, the
listings of the log, and the chart."""

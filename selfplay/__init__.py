"""Self-play games, policy-gradient reinforcement and arena matches between nets."""

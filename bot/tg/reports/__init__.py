"""/status: the coordinator's figures in the chat."""

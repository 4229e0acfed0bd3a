//! Compose project → Docker Swarm services (`stack deploy`). PENDING: the swarm issue.

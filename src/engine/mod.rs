//! The only module that talks to the Docker Engine (bollard). PENDING: the engine issue.

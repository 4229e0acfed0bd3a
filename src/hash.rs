//! The service config hash (`com.docker.compose.config-hash`), computed as the reference
//! does: sha256 of compose-go's JSON of the service with build/scale/deploy.replicas/
//! depends_on/profiles cleared. PENDING: needs the typed model.

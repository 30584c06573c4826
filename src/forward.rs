//! Reaching a proxy admin port: pods/portforward over WebSocket or the API server pods/proxy subresource, plus HTTP on top.

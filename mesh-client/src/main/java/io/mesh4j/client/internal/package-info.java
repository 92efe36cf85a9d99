/** Implementation of mesh-client: request building, credentials, classification. Not a public API. */
package io.mesh4j.client.internal;

/**
 * ServiceMeshClient. Not implemented yet: see the mesh-client issue; this module holds no
 * working code in 0.1.0-SNAPSHOT.
 */
package io.mesh4j.client;

/** Implementation of the auto-configuration; not an API. */
package io.mesh4j.spring.boot.autoconfigure.internal;

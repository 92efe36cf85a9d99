/** Not a public API: anything here may change in any release. */
package io.mesh4j.micrometer.internal;

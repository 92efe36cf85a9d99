/** Process, port and RESP plumbing of the testkit. Not a public API. */
package io.mesh4j.testkit.internal;

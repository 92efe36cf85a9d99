/** Process, port and RESP plumbing of the testkit, and the fault proxy's event loop. Not a public API. */
package io.mesh4j.testkit.internal;

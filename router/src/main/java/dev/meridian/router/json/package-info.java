/**
 * JSON text that Meridian writes by hand rather than from a data model: lines of the access log,
 * error bodies, and the simulated gateways' documents, all escaped by Jackson.
 */
@NullMarked
package dev.meridian.router.json;

import org.jspecify.annotations.NullMarked;

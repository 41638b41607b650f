/** Ways into the manager from outside: the REST API and its authentication. */
package ai.backend.manager.interfaces;

/**
 * The {@code bai} command line tool, modeled on Backend.AI's own {@code backend.ai} command: {@code
 * run}, {@code exec}, {@code ps}, {@code info}, {@code rm} and {@code version}.
 */
package ai.backend.client.cli;

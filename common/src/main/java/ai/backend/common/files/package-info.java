/** Rules for file paths inside a kernel's working folder. */
package ai.backend.common.files;

/** Placeholder until its issue lands. */
package dev.keygate.gateway;

/** Structured output: compiling grammars (regular expressions, JSON schemas) into token automata. */
package ai.lmi.server.structured;

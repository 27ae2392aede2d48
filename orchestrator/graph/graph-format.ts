/** The text formats `graph` writes. Apart from the graph code, so that the CLI's entry loads no parser to list them. */
export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

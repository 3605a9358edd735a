//! The network map as files other tools open: JSON for the web page and
//! scripts, GraphML for yEd and Gephi, GEXF for Gephi. Every export carries
//! the same node attributes, including the core number, so a weaver can
//! colour the core and periphery in their own tool.

use serde::Serialize;

use super::{Edge, Graph, Node, TieKind, core_numbers, xml_escape};

#[derive(Serialize)]
struct JsonMap<'g> {
    nodes: Vec<JsonNode<'g>>,
    edges: JsonEdges<'g>,
}

/// The edges, written one by one as they are serialised: a map of a
/// million ties would otherwise hold a million borrowed rows first.
struct JsonEdges<'g>(&'g Graph);

impl Serialize for JsonEdges<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let graph = self.0;
        serializer.collect_seq(graph.usable_edges().map(|edge| JsonEdge {
            source: &graph.nodes[edge.from()].id,
            target: &graph.nodes[edge.to()].id,
            kind: edge.kind,
            weight: edge.weight,
        }))
    }
}

#[derive(Serialize)]
struct JsonNode<'g> {
    id: &'g str,
    acct: &'g str,
    display_name: &'g str,
    roles: &'g [String],
    place: &'g Option<String>,
    communities: &'g [String],
    local: bool,
    core: u32,
}

#[derive(Serialize)]
struct JsonEdge<'g> {
    source: &'g str,
    target: &'g str,
    kind: TieKind,
    weight: u32,
}

/// `{"nodes": [...], "edges": [...]}`; edges name their ends by node id.
/// Written straight from the graph rather than through a `Value` tree: a
/// map of a hundred thousand ties is megabytes of JSON.
pub fn to_json(graph: &Graph) -> String {
    let mut out = Vec::new();
    write_json(graph, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`to_json`] written to `out` as it is made, so a large map need not be
/// held whole in memory (a million ties are some 70 MB of JSON).
pub fn write_json(graph: &Graph, out: impl std::io::Write) -> std::io::Result<()> {
    let cores = core_numbers(graph);
    let map = JsonMap {
        nodes: graph
            .nodes
            .iter()
            .zip(&cores)
            .map(|(node, &core)| JsonNode {
                id: &node.id,
                acct: &node.acct,
                display_name: &node.display_name,
                roles: &node.roles,
                place: &node.place,
                communities: &node.communities,
                local: node.local,
                core,
            })
            .collect(),
        edges: JsonEdges(graph),
    };
    serde_json::to_writer(out, &map).map_err(std::io::Error::other)
}

/// A node attribute as both XML formats declare it.
struct Attribute {
    name: &'static str,
    graphml_type: &'static str,
    gexf_type: &'static str,
}

const NODE_ATTRIBUTES: [Attribute; 7] = [
    Attribute {
        name: "acct",
        graphml_type: "string",
        gexf_type: "string",
    },
    Attribute {
        name: "display_name",
        graphml_type: "string",
        gexf_type: "string",
    },
    Attribute {
        name: "roles",
        graphml_type: "string",
        gexf_type: "string",
    },
    Attribute {
        name: "place",
        graphml_type: "string",
        gexf_type: "string",
    },
    Attribute {
        name: "communities",
        graphml_type: "string",
        gexf_type: "string",
    },
    Attribute {
        name: "local",
        graphml_type: "boolean",
        gexf_type: "boolean",
    },
    Attribute {
        name: "core",
        graphml_type: "int",
        gexf_type: "integer",
    },
];

/// The node's values in the order of [`NODE_ATTRIBUTES`], already escaped.
/// Lists are joined with "; " because neither yEd nor older Gephi reads
/// list-typed attributes, and names may contain commas.
fn node_values(node: &Node, core: u32) -> [String; 7] {
    [
        xml_escape(&node.acct),
        xml_escape(&node.display_name),
        xml_escape(&node.roles.join("; ")),
        xml_escape(node.place.as_deref().unwrap_or("")),
        xml_escape(&node.communities.join("; ")),
        node.local.to_string(),
        core.to_string(),
    ]
}

/// GraphML, directed. Besides the declared attributes every node has a
/// `label` (display name, else acct), which Gephi shows as the node label.
pub fn to_graphml(graph: &Graph) -> String {
    let cores = core_numbers(graph);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    out.push_str("  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n");
    for attribute in &NODE_ATTRIBUTES {
        out.push_str(&format!(
            "  <key id=\"{name}\" for=\"node\" attr.name=\"{name}\" attr.type=\"{kind}\"/>\n",
            name = attribute.name,
            kind = attribute.graphml_type,
        ));
    }
    out.push_str("  <key id=\"kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n");
    out.push_str("  <graph id=\"network\" edgedefault=\"directed\">\n");
    for (node, &core) in graph.nodes.iter().zip(&cores) {
        out.push_str(&format!("    <node id=\"{}\">\n", xml_escape(&node.id)));
        out.push_str(&format!(
            "      <data key=\"label\">{}</data>\n",
            xml_escape(node.label())
        ));
        for (attribute, value) in NODE_ATTRIBUTES.iter().zip(node_values(node, core)) {
            out.push_str(&format!(
                "      <data key=\"{}\">{value}</data>\n",
                attribute.name
            ));
        }
        out.push_str("    </node>\n");
    }
    for (index, edge) in graph.usable_edges().enumerate() {
        let (source, target) = end_ids(graph, edge);
        out.push_str(&format!(
            "    <edge id=\"e{index}\" source=\"{source}\" target=\"{target}\">\n\
             \x20     <data key=\"kind\">{kind}</data>\n\
             \x20     <data key=\"weight\">{weight}</data>\n\
             \x20   </edge>\n",
            kind = edge.kind.as_str(),
            weight = edge.weight,
        ));
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

/// GEXF 1.3, directed and static.
///
/// Each (from, to, kind) edge stays its own `<edge>` with a unique id and the
/// 1.3 `kind` attribute, so Gephi keeps follows, replies and exchanges
/// between the same pair as parallel edges instead of summing them. The kind
/// is also written as an edge attribute column for readers that predate 1.3.
pub fn to_gexf(graph: &Graph) -> String {
    let cores = core_numbers(graph);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <gexf xmlns=\"http://gexf.net/1.3\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" \
         version=\"1.3\">\n\
         \x20 <meta>\n\
         \x20   <creator>Trellis</creator>\n\
         \x20   <description>Network map: members and their ties</description>\n\
         \x20 </meta>\n\
         \x20 <graph mode=\"static\" defaultedgetype=\"directed\">\n\
         \x20   <attributes class=\"node\">\n",
    );
    for attribute in &NODE_ATTRIBUTES {
        out.push_str(&format!(
            "      <attribute id=\"{name}\" title=\"{name}\" type=\"{kind}\"/>\n",
            name = attribute.name,
            kind = attribute.gexf_type,
        ));
    }
    out.push_str(
        "    </attributes>\n\
         \x20   <attributes class=\"edge\">\n\
         \x20     <attribute id=\"kind\" title=\"kind\" type=\"string\"/>\n\
         \x20   </attributes>\n\
         \x20   <nodes>\n",
    );
    for (node, &core) in graph.nodes.iter().zip(&cores) {
        out.push_str(&format!(
            "      <node id=\"{}\" label=\"{}\">\n        <attvalues>\n",
            xml_escape(&node.id),
            xml_escape(node.label())
        ));
        for (attribute, value) in NODE_ATTRIBUTES.iter().zip(node_values(node, core)) {
            out.push_str(&format!(
                "          <attvalue for=\"{}\" value=\"{value}\"/>\n",
                attribute.name
            ));
        }
        out.push_str("        </attvalues>\n      </node>\n");
    }
    out.push_str("    </nodes>\n    <edges>\n");
    for (index, edge) in graph.usable_edges().enumerate() {
        let (source, target) = end_ids(graph, edge);
        out.push_str(&format!(
            "      <edge id=\"{index}\" source=\"{source}\" target=\"{target}\" \
             kind=\"{kind}\" weight=\"{weight}\">\n\
             \x20       <attvalues>\n\
             \x20         <attvalue for=\"kind\" value=\"{kind}\"/>\n\
             \x20       </attvalues>\n\
             \x20     </edge>\n",
            kind = edge.kind.as_str(),
            weight = edge.weight,
        ));
    }
    out.push_str("    </edges>\n  </graph>\n</gexf>\n");
    out
}

fn end_ids(graph: &Graph, edge: &Edge) -> (String, String) {
    (
        xml_escape(&graph.nodes[edge.from()].id),
        xml_escape(&graph.nodes[edge.to()].id),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_well_formed, member};
    use super::*;
    use serde_json::{Value, json};

    /// Ana (local, with an awkward name) follows and replies to Ben
    /// (remote); Ben follows Ana back. Core numbers are 1 for both.
    fn sample() -> Graph {
        let mut graph = Graph::default();
        let ana = graph.add_node(Node {
            id: "1".to_string(),
            acct: "ana".to_string(),
            display_name: "A & <B>".to_string(),
            roles: vec!["facilitator".to_string(), "officer".to_string()],
            place: Some("Bristol".to_string()),
            communities: vec!["energy".to_string(), "food".to_string()],
            local: true,
        });
        let ben = graph.add_node(Node {
            id: "2".to_string(),
            acct: "ben@county.example".to_string(),
            local: false,
            ..member("ben")
        });
        graph.add_node(member("3"));
        graph.add_edge(ana, ben, TieKind::Follow, 1);
        graph.add_edge(ana, ben, TieKind::Reply, 2);
        graph.add_edge(ana, ben, TieKind::Reply, 1);
        graph.add_edge(ben, ana, TieKind::Follow, 1);
        graph
    }

    #[test]
    fn json_lists_nodes_with_core_numbers_and_weighted_edges() {
        let json: Value = serde_json::from_str(&to_json(&sample())).unwrap();
        let nodes = json["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[0]["id"], "1");
        assert_eq!(nodes[0]["display_name"], "A & <B>");
        assert_eq!(nodes[0]["roles"][1], "officer");
        assert_eq!(nodes[0]["place"], "Bristol");
        assert_eq!(nodes[0]["communities"][0], "energy");
        assert_eq!(nodes[0]["local"], true);
        assert_eq!(nodes[0]["core"], 1);
        assert_eq!(nodes[1]["place"], Value::Null);
        assert_eq!(nodes[1]["local"], false);
        assert_eq!(nodes[2]["core"], 0);

        let edges = json["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 3);
        assert_eq!(
            edges[1],
            json!({"source": "1", "target": "2", "kind": "reply", "weight": 3})
        );
        assert_eq!(edges[2]["kind"], "follow");
        assert_eq!(edges[2]["source"], "2");
    }

    #[test]
    fn json_of_an_empty_graph() {
        assert_eq!(to_json(&Graph::default()), r#"{"nodes":[],"edges":[]}"#);
    }

    #[test]
    fn graphml_declares_keys_and_carries_nodes_and_edges() {
        let xml = to_graphml(&sample());
        assert_well_formed(&xml);
        assert!(xml.contains("edgedefault=\"directed\""));
        for key in [
            "acct",
            "display_name",
            "roles",
            "place",
            "communities",
            "local",
            "core",
        ] {
            assert!(
                xml.contains(&format!("<key id=\"{key}\" for=\"node\"")),
                "{key}"
            );
        }
        assert!(xml.contains("attr.name=\"weight\" attr.type=\"double\""));
        assert!(xml.contains("attr.name=\"core\" attr.type=\"int\""));
        assert_eq!(xml.matches("<node ").count(), 3);
        assert_eq!(xml.matches("<edge ").count(), 3);
        assert!(xml.contains("<data key=\"display_name\">A &amp; &lt;B&gt;</data>"));
        assert!(xml.contains("<data key=\"roles\">facilitator; officer</data>"));
        assert!(xml.contains("<data key=\"local\">false</data>"));
        assert!(xml.contains(
            "<edge id=\"e1\" source=\"1\" target=\"2\">\n      <data key=\"kind\">reply</data>\n      <data key=\"weight\">3</data>"
        ));
        assert!(!xml.contains("A & <B>"));
    }

    #[test]
    fn gexf_is_version_1_3_with_attributes_and_weighted_edges() {
        let xml = to_gexf(&sample());
        assert_well_formed(&xml);
        assert!(xml.contains("xmlns=\"http://gexf.net/1.3\""));
        assert!(xml.contains("version=\"1.3\""));
        assert!(xml.contains("defaultedgetype=\"directed\""));
        assert!(xml.contains("<attributes class=\"node\">"));
        assert!(xml.contains("<attributes class=\"edge\">"));
        assert!(xml.contains("<attribute id=\"core\" title=\"core\" type=\"integer\"/>"));
        assert_eq!(xml.matches("<node ").count(), 3);
        assert_eq!(xml.matches("<edge ").count(), 3);
        assert!(xml.contains("<node id=\"1\" label=\"A &amp; &lt;B&gt;\">"));
        assert!(xml.contains("<node id=\"2\" label=\"ben@county.example\">"));
        assert!(
            xml.contains("<edge id=\"1\" source=\"1\" target=\"2\" kind=\"reply\" weight=\"3\">")
        );
        assert!(xml.contains("<attvalue for=\"communities\" value=\"energy; food\"/>"));
        assert!(!xml.contains("A & <B>"));
    }

    #[test]
    fn xml_exports_of_an_empty_graph_are_well_formed() {
        for xml in [to_graphml(&Graph::default()), to_gexf(&Graph::default())] {
            assert_well_formed(&xml);
            assert!(!xml.contains("<node "));
        }
    }
}

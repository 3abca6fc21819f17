//! An Alertmanager routing tree as data that routes label sets, for judging where an alert
//! rule's alerts end up. Labels whose values are not known statically make the outcome unknown
//! rather than guessed.

use promaudit_source::artifact::{AlertmanagerConfig, Route};

/// A routing tree learned from an `alertmanager.yml`.
#[derive(Debug)]
pub struct RoutingTree {
    /// `file:line` of the root route, for messages.
    pub location: String,
    root: RouteNode,
    silent_receivers: Vec<String>,
    /// Whether any receiver notifies at all; a skeleton with none is a template to fill in.
    pub notifies: bool,
}

#[derive(Debug)]
struct RouteNode {
    receiver: Option<String>,
    /// `None` when a matcher could not be read: whether it matches is unknown.
    matchers: Option<Vec<Matcher>>,
    continue_matching: bool,
    routes: Vec<RouteNode>,
}

#[derive(Debug)]
struct Matcher {
    label: String,
    negated: bool,
    test: Test,
}

#[derive(Debug)]
enum Test {
    Equal(String),
    Regex(regex::Regex),
}

/// What is known of one label of an alert.
pub enum LabelValue {
    /// Its value; `""` when the alert cannot carry the label.
    Known(String),
    Unknown,
}

/// Where routing an alert ends: its receiver, and whether no route below the root took it.
#[derive(Debug, PartialEq, Eq)]
pub struct Landing<'t> {
    pub receiver: &'t str,
    pub fell_through: bool,
}

impl RoutingTree {
    pub fn new(config: &AlertmanagerConfig, location: String) -> Option<RoutingTree> {
        let root = config.route.as_ref()?;
        let notifies = config.receivers.iter().any(|r| !config.silent_receivers.contains(&r.value));
        Some(RoutingTree { location, root: RouteNode::new(root), silent_receivers: config.silent_receivers.clone(), notifies })
    }

    pub fn is_silent(&self, receiver: &str) -> bool {
        self.silent_receivers.iter().any(|r| r == receiver)
    }

    /// The receivers an alert whose labels `value` describes is sent to; `None` when a decision
    /// on the way depends on a label whose value is unknown.
    pub fn route(&self, value: &dyn Fn(&str) -> LabelValue) -> Option<Vec<Landing<'_>>> {
        let mut landings = Vec::new();
        self.root.route(self.root.receiver.as_deref().unwrap_or_default(), true, value, &mut landings)?;
        Some(landings)
    }

    /// Whether any route matches on `label` with a matcher that `value` satisfies; `None`
    /// when no route matches on `label` at all.
    pub fn label_routed(&self, label: &str, value: &str) -> Option<bool> {
        let mut tested = false;
        let mut accepted = false;
        let mut stack = vec![&self.root];
        while let Some(node) = stack.pop() {
            for matcher in node.matchers.iter().flatten().filter(|m| m.label == label && !m.negated) {
                tested = true;
                accepted |= matcher.test.accepts(value);
            }
            stack.extend(&node.routes);
        }
        tested.then_some(accepted)
    }
}

impl RouteNode {
    fn new(route: &Route) -> RouteNode {
        let written = route.matchers.iter().map(|m| m.value.as_str()).chain(route.legacy_matchers.iter().map(String::as_str));
        RouteNode {
            receiver: route.receiver.as_ref().map(|r| r.value.clone()),
            matchers: written.map(Matcher::parse).collect(),
            continue_matching: route.continue_matching,
            routes: route.routes.iter().map(RouteNode::new).collect(),
        }
    }

    fn route<'t>(&'t self, receiver: &'t str, root: bool, value: &dyn Fn(&str) -> LabelValue, out: &mut Vec<Landing<'t>>) -> Option<()> {
        let receiver = self.receiver.as_deref().unwrap_or(receiver);
        let mut taken = false;
        for child in &self.routes {
            if !child.matches(value)? {
                continue;
            }
            taken = true;
            child.route(receiver, false, value, out)?;
            if !child.continue_matching {
                break;
            }
        }
        if !taken {
            out.push(Landing { receiver, fell_through: root });
        }
        Some(())
    }

    fn matches(&self, value: &dyn Fn(&str) -> LabelValue) -> Option<bool> {
        let mut all = true;
        for matcher in self.matchers.as_ref()? {
            let LabelValue::Known(actual) = value(&matcher.label) else { return None };
            all &= matcher.test.accepts(&actual) != matcher.negated;
        }
        Some(all)
    }
}

impl Matcher {
    /// `severity="critical"`, `team=~db|infra`, `alertname!="Watchdog"`.
    fn parse(text: &str) -> Option<Matcher> {
        let op_start = text.find(['=', '!'])?;
        let label = text[..op_start].trim().trim_start_matches('{').to_string();
        let rest = &text[op_start..];
        let (negated, regex, op_len) = match rest.get(..2) {
            Some("!=") => (true, false, 2),
            Some("!~") => (true, true, 2),
            Some("=~") => (false, true, 2),
            _ if rest.starts_with('=') => (false, false, 1),
            _ => return None,
        };
        let raw = rest[op_len..].trim().trim_end_matches('}').trim();
        let value = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
            None => raw.to_string(),
        };
        let test = if regex { Test::Regex(regex::Regex::new(&format!("^(?:{value})$")).ok()?) } else { Test::Equal(value) };
        (!label.is_empty()).then_some(Matcher { label, negated, test })
    }
}

impl Test {
    fn accepts(&self, value: &str) -> bool {
        match self {
            Test::Equal(expected) => expected == value,
            Test::Regex(regex) => regex.is_match(value),
        }
    }
}

/// A route that alerts it was written for never reach: an earlier sibling without
/// `continue: true` takes them first.
#[derive(Debug)]
pub struct Shadowing<'r> {
    pub later: &'r Route,
    pub earlier: &'r Route,
    /// The alerts both routes match, by name.
    pub alerts: Vec<&'r str>,
}

/// Every route below `root` that some of `alerts` match but an earlier sibling without
/// `continue: true` takes first, judged on the alerts' static labels and names only: an alert
/// whose way depends on another label is left out, not guessed.
pub fn shadowed_routes<'r>(root: &'r Route, alerts: &'r [crate::alert_facts::AlertLabels]) -> Vec<Shadowing<'r>> {
    let mut found = Vec::new();
    shadowed_below(root, &alerts.iter().collect::<Vec<_>>(), &mut found);
    found
}

/// `reaching`: the alerts that surely reach `route`'s children.
fn shadowed_below<'r>(route: &'r Route, reaching: &[&'r crate::alert_facts::AlertLabels], found: &mut Vec<Shadowing<'r>>) {
    // Earlier siblings without `continue`, each with the alerts it surely takes, and the
    // alerts some of them may take.
    let mut takers: Vec<(&Route, Vec<&crate::alert_facts::AlertLabels>)> = Vec::new();
    let mut maybe_taken: Vec<&crate::alert_facts::AlertLabels> = Vec::new();
    for child in &route.routes {
        let outcomes: Vec<_> = reaching.iter().map(|alert| (*alert, route_matches(child, alert))).collect();
        let matching: Vec<_> = outcomes.iter().filter(|(_, m)| *m == Some(true)).map(|(a, _)| *a).collect();
        for (earlier, taken) in &takers {
            let lost: Vec<&str> = matching.iter().filter(|a| taken.contains(a)).map(|a| a.name.as_str()).collect();
            let same_receiver = child.receiver.is_some() && child.receiver.as_ref().map(|r| &r.value) == earlier.receiver.as_ref().map(|r| &r.value);
            if !lost.is_empty() && !same_receiver {
                found.push(Shadowing { later: child, earlier, alerts: lost });
                break;
            }
        }
        let reached: Vec<_> = matching.iter().filter(|a| !maybe_taken.contains(a)).copied().collect();
        shadowed_below(child, &reached, found);
        if !child.continue_matching {
            maybe_taken.extend(outcomes.iter().filter(|(_, m)| *m != Some(false)).map(|(a, _)| *a));
            takers.push((child, matching));
        }
    }
}

/// Whether `route`'s matchers accept the alert; `None` when one reads a label the alert has
/// no static value for, or cannot be read.
fn route_matches(route: &Route, alert: &crate::alert_facts::AlertLabels) -> Option<bool> {
    let written = route.matchers.iter().map(|m| m.value.as_str()).chain(route.legacy_matchers.iter().map(String::as_str));
    let mut all = true;
    for text in written {
        let matcher = Matcher::parse(text)?;
        let value = match alert.labels.iter().find(|(name, _)| *name == matcher.label) {
            Some((_, value)) => value.as_str(),
            None if matcher.label == "alertname" => alert.name.as_str(),
            None => return None,
        };
        all &= matcher.test.accepts(value) != matcher.negated;
    }
    Some(all)
}

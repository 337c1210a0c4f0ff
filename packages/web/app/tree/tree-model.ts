/**
 * The resource tree as rows: kinds as groups, the application's resources under them, and, for
 * Kubernetes objects, what they own (ReplicaSets, Pods…) fetched when a node is opened. Pure:
 * the component keeps which nodes are open and which children it has fetched, this file turns
 * that into the flat list of visible rows a virtual list draws.
 */
export interface TreeResource {
  key: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  sync?: string | undefined;
  health?: string | undefined;
  /** A host kind (grouped by kind, never owns anything) or a Kubernetes object. */
  host: boolean;
}

export interface ChildResource {
  key: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  health?: string | undefined;
  ownerKey: string;
}

export interface TreeRow {
  id: string;
  depth: number;
  label: string;
  kind: string;
  /** Resources in a group row. */
  count?: number;
  resource?: TreeResource | ChildResource;
  expandable: boolean;
  expanded: boolean;
  /** Children being fetched, or what fetching them said. */
  note?: string;
  /** Position among siblings, for assistive technology. */
  position: number;
  siblings: number;
}

export type ChildrenState = { state: 'loading' } | { state: 'error'; message: string } | { state: 'loaded'; items: ChildResource[] };

/** Kubernetes kinds that own nothing: no expander. */
const LEAVES = new Set(['ConfigMap', 'Secret', 'ServiceAccount', 'Namespace', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolumeClaim', 'PersistentVolume', 'Ingress', 'NetworkPolicy', 'CustomResourceDefinition', 'Pod', 'EndpointSlice', 'Endpoints', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'StorageClass', 'PriorityClass', 'LimitRange', 'ResourceQuota']);

export function ownsThings(kind: string, host: boolean): boolean {
  return !host && !LEAVES.has(kind);
}

/** `apiVersion/kind/namespace/name`, the key the hub's resource routes take. */
export function resourceKey(r: { apiVersion?: string | undefined; kind: string; namespace?: string | undefined; name: string }): string {
  return `${r.apiVersion ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

export function groupId(kind: string): string {
  return `group:${kind}`;
}

/** One collator for every comparison: `localeCompare` is many times slower over thousands of names. */
const compare = new Intl.Collator().compare;

/** Resources by kind, kinds sorted by name, resources by namespace and name. */
export function groupByKind(resources: readonly TreeResource[]): { kind: string; items: TreeResource[] }[] {
  const byKind = new Map<string, TreeResource[]>();
  for (const r of resources) {
    const list = byKind.get(r.kind);
    if (list === undefined) byKind.set(r.kind, [r]);
    else list.push(r);
  }
  const label = (r: TreeResource): string => `${r.namespace ?? ''}/${r.name}`;
  return [...byKind].sort(([a], [b]) => compare(a, b)).map(([kind, items]) => {
    const labelled = items.map((item) => ({ item, label: label(item) })).sort((a, b) => compare(a.label, b.label));
    return { kind, items: labelled.map(({ item }) => item) };
  });
}

/**
 * The children a fetch for `ownerKey` returned, by owner. A hub may answer with the whole
 * subtree (grandchildren carry their own ownerKey) or with direct children only.
 */
export function childrenByOwner(ownerKey: string, items: readonly ChildResource[]): { byOwner: Map<string, ChildResource[]>; deep: boolean } {
  const byOwner = new Map<string, ChildResource[]>();
  for (const item of items) {
    const list = byOwner.get(item.ownerKey);
    if (list === undefined) byOwner.set(item.ownerKey, [item]);
    else list.push(item);
  }
  for (const list of byOwner.values()) list.sort((a, b) => compare(`${a.kind}/${a.name}`, `${b.kind}/${b.name}`));
  return { byOwner, deep: items.some((item) => item.ownerKey !== ownerKey) };
}

export interface TreeState {
  groups: { kind: string; items: TreeResource[] }[];
  /** Ids of open rows (groups and resources). */
  open: ReadonlySet<string>;
  /** What fetching each opened Kubernetes object's children gave. */
  children: ReadonlyMap<string, ChildrenState>;
}

/** The visible rows, in order. Cost is the number of visible rows, not of resources. */
export function visibleRows({ groups, open, children }: TreeState): TreeRow[] {
  const rows: TreeRow[] = [];
  // Children known from a deep answer further up: owner key → its children.
  const known = new Map<string, ChildResource[]>();
  const addChildren = (owner: string, depth: number): void => {
    const fetched = children.get(owner);
    const list = known.get(owner) ?? (fetched?.state === 'loaded' ? childrenByOwner(owner, fetched.items) : undefined);
    if (list === undefined) {
      rows.push({ id: `${owner}#note`, depth, label: fetched?.state === 'error' ? fetched.message : 'Loading…', kind: '', expandable: false, expanded: false, note: fetched?.state === 'error' ? 'error' : 'loading', position: 1, siblings: 1 });
      return;
    }
    const direct = Array.isArray(list) ? list : list.byOwner.get(owner) ?? [];
    if (!Array.isArray(list) && list.deep) for (const [key, items] of list.byOwner) if (key !== owner) known.set(key, items);
    const deepKnown = Array.isArray(list) || list.deep;
    if (direct.length === 0) {
      rows.push({ id: `${owner}#none`, depth, label: 'Owns nothing', kind: '', expandable: false, expanded: false, note: 'none', position: 1, siblings: 1 });
      return;
    }
    direct.forEach((child, index) => {
      const id = child.key;
      // In a deep answer a child without children of its own is a leaf; otherwise it may be opened to ask.
      const expandable = deepKnown || known.has(id) ? (known.get(id)?.length ?? 0) > 0 : ownsThings(child.kind, false);
      const expanded = expandable && open.has(id);
      rows.push({ id, depth, label: child.name, kind: child.kind, resource: child, expandable, expanded, position: index + 1, siblings: direct.length });
      if (expanded) addChildren(id, depth + 1);
    });
  };
  groups.forEach((group, groupIndex) => {
    const gid = groupId(group.kind);
    const groupOpen = open.has(gid);
    rows.push({ id: gid, depth: 1, label: group.kind, kind: group.kind, count: group.items.length, expandable: true, expanded: groupOpen, position: groupIndex + 1, siblings: groups.length });
    if (!groupOpen) return;
    group.items.forEach((r, index) => {
      const expandable = ownsThings(r.kind, r.host);
      const expanded = expandable && open.has(r.key);
      rows.push({ id: r.key, depth: 2, label: r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`, kind: r.kind, resource: r, expandable, expanded, position: index + 1, siblings: group.items.length });
      if (expanded) addChildren(r.key, 3);
    });
  });
  return rows;
}

/** Groups open at first: all of them for a small application, none for a large one (open one to see it). */
export function initiallyOpen(groups: readonly { kind: string; items: readonly unknown[] }[], limit = 200): Set<string> {
  const total = groups.reduce((sum, g) => sum + g.items.length, 0);
  return new Set(total <= limit ? groups.map((g) => groupId(g.kind)) : []);
}

/**
 * The access policy: projects (a set of environments and applications by name globs and
 * environment labels), custom roles (a name for a list of verbs), and grants of a role in a
 * project to a user or a group. Project `*` is everything; it is made by the schema and cannot
 * be deleted. Every change moves the access version.
 */
import type { Db, Row } from './db.ts';
import { bumpAccessVersion } from './users.ts';

export interface ProjectRecord {
  name: string;
  environments: string[];
  applications: string[];
  labels: Record<string, string>;
  description: string;
  createdBy: string;
  createdAt: number;
}

export type GrantSubjectKind = 'user' | 'group';

export interface GrantRecord {
  project: string;
  subjectKind: GrantSubjectKind;
  subject: string;
  role: string;
  createdBy: string;
  createdAt: number;
}

export interface RoleRecord {
  name: string;
  verbs: string[];
  createdBy: string;
  createdAt: number;
}

export const GLOBAL_PROJECT = '*';

export class Policy {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** False when a project of that name exists. */
  async createProject(project: ProjectRecord): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const made = await tx.run('INSERT INTO projects (name, environments, applications, labels, description, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
        [project.name, JSON.stringify(project.environments), JSON.stringify(project.applications), JSON.stringify(project.labels), project.description, project.createdBy, project.createdAt]);
      if (made === 1) await bumpAccessVersion(tx);
      return made === 1;
    });
  }

  async project(name: string): Promise<ProjectRecord | undefined> {
    const [row] = await this.#db.all('SELECT * FROM projects WHERE name = ?', [name]);
    return row === undefined ? undefined : toProject(row);
  }

  async projects(): Promise<ProjectRecord[]> {
    return (await this.#db.all('SELECT * FROM projects ORDER BY name')).map(toProject);
  }

  /** Deletes a project and its grants; false for no such project (or `*`). */
  async deleteProject(name: string): Promise<boolean> {
    if (name === GLOBAL_PROJECT) return false;
    return this.#db.transaction(async (tx) => {
      await tx.run('DELETE FROM grants WHERE project = ?', [name]);
      const gone = await tx.run('DELETE FROM projects WHERE name = ?', [name]);
      if (gone === 1) await bumpAccessVersion(tx);
      return gone === 1;
    });
  }

  async putRole(role: RoleRecord): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run('INSERT INTO roles (name, verbs, created_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET verbs = excluded.verbs', [role.name, JSON.stringify(role.verbs), role.createdBy, role.createdAt]);
      await bumpAccessVersion(tx);
    });
  }

  async roles(): Promise<RoleRecord[]> {
    return (await this.#db.all('SELECT * FROM roles ORDER BY name')).map((row) => ({ name: String(row.name), verbs: JSON.parse(String(row.verbs)) as string[], createdBy: String(row.created_by), createdAt: Number(row.created_at) }));
  }

  /** False when the grant exists already or the project does not. */
  async grant(grant: GrantRecord): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [project] = await tx.all('SELECT name FROM projects WHERE name = ?', [grant.project]);
      if (project === undefined) return false;
      const made = await tx.run('INSERT INTO grants (project, subject_kind, subject, role, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project, subject_kind, subject, role) DO NOTHING',
        [grant.project, grant.subjectKind, grant.subject, grant.role, grant.createdBy, grant.createdAt]);
      if (made === 1) await bumpAccessVersion(tx);
      return made === 1;
    });
  }

  async revoke(project: string, subjectKind: GrantSubjectKind, subject: string, role: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const gone = await tx.run('DELETE FROM grants WHERE project = ? AND subject_kind = ? AND subject = ? AND role = ?', [project, subjectKind, subject, role]);
      if (gone === 1) await bumpAccessVersion(tx);
      return gone === 1;
    });
  }

  async grants(project?: string): Promise<GrantRecord[]> {
    const rows = await this.#db.all(`SELECT * FROM grants${project === undefined ? '' : ' WHERE project = ?'} ORDER BY project, subject_kind, subject, role`, project === undefined ? [] : [project]);
    return rows.map(toGrant);
  }

  /** The grants that reach a user (by name) or any of their groups, each with its project. */
  async grantsFor(user: string | undefined, groups: readonly string[]): Promise<{ grant: GrantRecord; project: ProjectRecord }[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (user !== undefined) {
      where.push("(g.subject_kind = 'user' AND g.subject = ?)");
      params.push(user);
    }
    if (groups.length > 0) {
      where.push(`(g.subject_kind = 'group' AND g.subject IN (${groups.map(() => '?').join(', ')}))`);
      params.push(...groups);
    }
    if (where.length === 0) return [];
    const rows = await this.#db.all(`SELECT g.*, p.environments, p.applications, p.labels, p.description, p.created_by AS project_created_by, p.created_at AS project_created_at
      FROM grants g JOIN projects p ON p.name = g.project WHERE ${where.join(' OR ')} ORDER BY g.project, g.role`, params);
    return rows.map((row) => ({ grant: toGrant(row), project: toProject({ ...row, name: row.project ?? null, created_by: row.project_created_by ?? null, created_at: row.project_created_at ?? null }) }));
  }
}

function toProject(row: Row): ProjectRecord {
  return {
    name: String(row.name), environments: JSON.parse(String(row.environments)) as string[], applications: JSON.parse(String(row.applications)) as string[],
    labels: JSON.parse(String(row.labels)) as Record<string, string>, description: String(row.description), createdBy: String(row.created_by), createdAt: Number(row.created_at),
  };
}

function toGrant(row: Row): GrantRecord {
  return { project: String(row.project), subjectKind: String(row.subject_kind) === 'group' ? 'group' : 'user', subject: String(row.subject), role: String(row.role), createdBy: String(row.created_by), createdAt: Number(row.created_at) };
}

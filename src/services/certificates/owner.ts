/** Who a certificate belongs to: a project (native API, at most one each) or a team (Vercel's team-level certificates, no project). */
import { type SQL, and, eq, isNull } from "drizzle-orm";
import { certificates } from "../../db/schema";

export type Owner = ProjectOwner | TeamOwner;

export interface ProjectOwner {
  kind: "project";
  teamId: string;
  projectId: string;
}

export interface TeamOwner {
  kind: "team";
  teamId: string;
}

export function projectOwner(project: { id: string; teamId: string }): ProjectOwner {
  return { kind: "project", teamId: project.teamId, projectId: project.id };
}

export function teamOwner(teamId: string): TeamOwner {
  return { kind: "team", teamId };
}

/** The owner as the row's columns (and as the issuer's target): a team's certificates have no project. */
export function ownerColumns(owner: Owner): { teamId: string; projectId: string | null } {
  return { teamId: owner.teamId, projectId: owner.kind === "project" ? owner.projectId : null };
}

/** The rows the owner holds: another team's, or a project's when the owner is the team, never match. */
export function ownedBy(owner: Owner): SQL {
  const project = owner.kind === "project" ? eq(certificates.projectId, owner.projectId) : isNull(certificates.projectId);
  return and(eq(certificates.teamId, owner.teamId), project)!;
}

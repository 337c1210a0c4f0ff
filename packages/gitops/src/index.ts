export * from './errors.ts';
export { parseKeyPath, formatKeyPath, type PathSegment } from './key-path.ts';
export { editYaml, type EditChange, type EditResult, type ScalarEdit } from './edit-yaml.ts';
export * from './trailers.ts';
export { planCommit, checkPath, type CommitPlan, type FailedEdit, type FileEdit, type PlanOptions, type PlannedChange } from './plan.ts';
export { pushOutcome, type PushOutcome } from './push-outcome.ts';
export { WorkTree, DEFAULT_IDENTITY, checkBranch, type Identity, type RepoTarget } from './work-tree.ts';
export { writeBranch, DEFAULT_RETRY, type RetryPolicy, type WriteOptions, type WriteResult } from './write-branch.ts';
export { setInRepo } from './set-in-repo.ts';

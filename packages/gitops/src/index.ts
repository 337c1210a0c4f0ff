export * from './errors.ts';
export { parseKeyPath, formatKeyPath, type PathSegment } from './key-path.ts';
export { editYaml, type EditChange, type EditResult, type ScalarEdit } from './edit-yaml.ts';

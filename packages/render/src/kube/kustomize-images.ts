/**
 * `spec.source.kustomize.images` entries, as Argo CD writes them, to kustomize `images` entries:
 * `nginx:1.27` (new tag), `nginx@sha256:…` (digest), `nginx=registry.local/nginx:1.27` (new
 * name and tag). The name before `=` is the image as the manifests spell it.
 */
import { ApiErrors } from '@trueup/api';

export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** `host:5000/team/app:1.2@sha256:…` → repository, tag, digest. A port is not a tag. */
function splitReference(text: string): ImageReference {
  const at = text.indexOf('@');
  const digest = at === -1 ? undefined : text.slice(at + 1);
  const rest = at === -1 ? text : text.slice(0, at);
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  const repository = tag === undefined ? rest : rest.slice(0, colon);
  return { repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

export function parseImageOverride(text: string, index: number): KustomizeImage {
  const field = `spec.source.kustomize.images[${index}]`;
  const equals = text.indexOf('=');
  const name = equals === -1 ? splitReference(text).repository : text.slice(0, equals);
  const target = splitReference(equals === -1 ? text : text.slice(equals + 1));
  const changes = equals === -1 ? { ...target, repository: '' } : target;
  if (name === '' || /\s/.test(text) || [changes.tag, changes.digest].some((part) => part === '')) {
    throw ApiErrors.create('API_FIELD_INVALID', `image override ${JSON.stringify(text)} is not of the form name:tag, name@digest or name=new-name[:tag]`, { field });
  }
  if (changes.repository === '' && changes.tag === undefined && changes.digest === undefined) {
    throw ApiErrors.create('API_FIELD_INVALID', `image override ${JSON.stringify(text)} changes nothing: give a tag, a digest or name=new-name`, { field });
  }
  return {
    name,
    ...(changes.repository === '' ? {} : { newName: changes.repository }),
    ...(changes.tag === undefined ? {} : { newTag: changes.tag }),
    ...(changes.digest === undefined ? {} : { digest: changes.digest }),
  };
}

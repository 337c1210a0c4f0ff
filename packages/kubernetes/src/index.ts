export { KubeErrors, type KubeErrorCode } from './errors.ts';
export { loadClusterCredentials, type ClusterCredentials, type KubeconfigSelection } from './kubeconfig.ts';
export { KubeClient, kubeStatusOf, type KubeStatusDetails, type WatchEvent } from './kube-client.ts';
export { Discovery, resourcePath, type ResourceInfo } from './discovery.ts';
export { ClusterSession, openCluster } from './cluster-session.ts';
export { createKubernetesProvider, FIELD_MANAGER, REPLACE_ANNOTATION, type KubernetesProvider, type KubernetesProviderOptions, type PrunePropagation } from './kubernetes-provider.ts';
export { APPLICATION_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './resource-watch.ts';
export { inventoryName } from './inventory-object.ts';

// Package v1beta1 is the kubeflow.org/v1beta1 Workspace and WorkspaceKind API of Kubeflow Notebooks 2.0. The
// group markers are those of kubeflow/notebooks workspaces/controller/api/v1beta1/groupversion_info.go:17-19 at
// tag v2.0.0-beta.0 (commit 3ebd2e4f543a9ead1ae98fcf69f661a94d284e16; Apache-2.0, The Kubeflow Authors).
// +kubebuilder:object:generate=true
// +groupName=kubeflow.org
package v1beta1

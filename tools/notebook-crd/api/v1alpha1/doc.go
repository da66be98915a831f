// Package v1alpha1 is the kubeflow.org/v1alpha1 Notebook API. The group markers are those of Kubeflow's
// components/notebook-controller/api/v1alpha1/groupversion_info.go (Apache-2.0, The Kubeflow Authors).
// +kubebuilder:object:generate=true
// +groupName=kubeflow.org
package v1alpha1

// The Notebook API types of Kubeflow's notebook-controller, transcribed (declarations, JSON tags and
// kubebuilder markers only) so that controller-gen can regenerate Kubeflow's Notebook CRD here.
//
// Source: github.com/kubeflow/kubeflow, components/notebook-controller/api/v1/notebook_types.go,
// commit b9f455d2569d5ce1a22949d4aaf6951269d40d2c; checked against the v1 schema of the published CRD
// (kubeflow/notebooks, config/crd/bases/kubeflow.org_notebooks.yaml @c1350d186f828efaa0f1a478c3553a7989584301).
// Copyright The Kubeflow Authors. Licensed under the Apache License, Version 2.0
// (http://www.apache.org/licenses/LICENSE-2.0). Changed: comments rewritten, registration code left out
// (controller-gen's crd generator reads types and markers only).

package v1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NotebookSpec is what the user asks for: a pod template.
type NotebookSpec struct {
	Template NotebookTemplateSpec `json:"template,omitempty"`
}

// NotebookTemplateSpec carries the full Kubernetes PodSpec of the notebook's pod.
type NotebookTemplateSpec struct {
	Spec corev1.PodSpec `json:"spec,omitempty"`
}

// NotebookStatus is what the controller reports.
type NotebookStatus struct {
	Conditions     []NotebookCondition   `json:"conditions"`
	ReadyReplicas  int32                 `json:"readyReplicas"`
	ContainerState corev1.ContainerState `json:"containerState"`
}

// NotebookCondition is one entry of status.conditions.
type NotebookCondition struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	// +optional
	LastProbeTime metav1.Time `json:"lastProbeTime,omitempty"`
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`
	// +optional
	Reason string `json:"reason,omitempty"`
	// +optional
	Message string `json:"message,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:path=notebooks,singular=notebook,scope=Namespaced

// Notebook is the kubeflow.org Notebook resource (v1 is the storage version).
type Notebook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   NotebookSpec   `json:"spec,omitempty"`
	Status NotebookStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// NotebookList is a list of Notebooks.
type NotebookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Notebook `json:"items"`
}

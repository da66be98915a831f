// The Notebooks 2.0 API types of Kubeflow's workspaces controller, transcribed (declarations, JSON tags and
// kubebuilder markers only) so that controller-gen can regenerate the workspace CRD here (generate.sh).
//
// Source: github.com/kubeflow/notebooks, workspaces/controller/api/v1beta1/workspace_types.go
// at tag v2.0.0-beta.0 (commit 3ebd2e4f543a9ead1ae98fcf69f661a94d284e16). Every declaration and marker is
// in the same order as there; marker lines are verbatim (controller-gen reads a marker from one line, so the
// long CEL rules stay unwrapped: scripts/line-length.mjs exempts these two files);
// prose comments, the license block and the init() registration are left out (controller-gen's crd generator
// reads types and markers only). Copyright 2024 The Kubeflow Authors. Licensed under the Apache License,
// Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0). Changed: comments removed, registration left out.

package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type WorkspaceSpec struct {

	// +kubebuilder:validation:Optional
	// +kubebuilder:default=false
	Paused bool `json:"paused"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=128
	// +kubebuilder:validation:Optional
	// +kubebuilder:example:="My Workspace"
	DisplayName *string `json:"displayName,omitempty"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="Workspace 'kind' is immutable"
	// +kubebuilder:example="jupyterlab"
	Kind string `json:"kind"`

	PodTemplate WorkspacePodTemplate `json:"podTemplate"`
}

type WorkspacePodTemplate struct {
	// +kubebuilder:validation:Optional
	PodMetadata *WorkspacePodMetadata `json:"podMetadata,omitempty"`

	Volumes WorkspacePodVolumes `json:"volumes"`

	Options WorkspacePodOptions `json:"options"`
}

type WorkspacePodMetadata struct {
	// +kubebuilder:validation:Optional
	Labels map[string]string `json:"labels,omitempty"`

	// +kubebuilder:validation:Optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

type WorkspacePodVolumes struct {
	// +kubebuilder:validation:Optional
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +kubebuilder:example="my-home-pvc"
	Home *string `json:"home,omitempty"`

	// +kubebuilder:validation:Optional
	// +listType:="map"
	// +listMapKey:="mountPath"
	Data []PodVolumeMount `json:"data,omitempty"`

	// +kubebuilder:validation:Optional
	// +listType:="map"
	// +listMapKey:="mountPath"
	Secrets []PodSecretMount `json:"secrets,omitempty"`
}

type PodVolumeMount struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +kubebuilder:example="my-data-pvc"
	PVCName string `json:"pvcName"`

	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=4096
	// +kubebuilder:validation:Pattern:=^/[^/].*$
	// +kubebuilder:example="/data/my-data"
	MountPath string `json:"mountPath"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:default=false
	ReadOnly *bool `json:"readOnly,omitempty"`
}

type PodSecretMount struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	// +kubebuilder:example="my-secret"
	SecretName string `json:"secretName"`

	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=4096
	// +kubebuilder:validation:Pattern:=^/[^/].*$
	// +kubebuilder:example="/secrets/my-secret"
	MountPath string `json:"mountPath"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=511
	// +kubebuilder:default=420
	DefaultMode int32 `json:"defaultMode,omitempty"`
}

type WorkspacePodOptions struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example="jupyterlab_scipy_190"
	ImageConfig string `json:"imageConfig"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example="big_gpu"
	PodConfig string `json:"podConfig"`
}

type WorkspaceStatus struct {
	Activity WorkspaceActivity `json:"activity"`

	// +kubebuilder:default=0
	// +kubebuilder:example=1704060000000
	LastRunningTime int64 `json:"lastRunningTime"`

	// +kubebuilder:default=0
	// +kubebuilder:example=1704067200000
	PauseTime int64 `json:"pauseTime"`

	// +kubebuilder:default=false
	PendingRestart bool `json:"pendingRestart"`

	PodTemplateOptions WorkspacePodOptionsStatus `json:"podTemplateOptions"`

	PodTemplatePod WorkspacePodStatus `json:"podTemplatePod"`

	// +kubebuilder:default="Unknown"
	State WorkspaceState `json:"state"`

	// +kubebuilder:default=""
	StateMessage string `json:"stateMessage"`
}

type WorkspaceActivity struct {
	// +kubebuilder:default=0
	// +kubebuilder:example=1704067200000
	LastActivity int64 `json:"lastActivity"`

	// +kubebuilder:default=0
	// +kubebuilder:example=1704067200000
	LastUpdate int64 `json:"lastUpdate"`

	// +kubebuilder:validation:Optional
	LastProbe *WorkspaceActivityLastProbe `json:"lastProbe,omitempty"`

	// +kubebuilder:validation:Optional
	Rules *WorkspaceActivityRules `json:"rules,omitempty"`
}

type WorkspaceActivityLastProbe struct {
	// +kubebuilder:example=1710435303000
	StartTime int64 `json:"startTime"`

	// +kubebuilder:example=1710435305000
	EndTime int64 `json:"endTime"`

	Result WorkspaceProbeResult `json:"result"`

	// +kubebuilder:default=""
	// +kubebuilder:example="Jupyter probe succeeded"
	Message string `json:"message"`
}

// +kubebuilder:validation:Enum:={"Success","Failure","Timeout"}
type WorkspaceProbeResult string

const (
	WorkspaceProbeResultSuccess WorkspaceProbeResult = "Success"
	WorkspaceProbeResultFailure WorkspaceProbeResult = "Failure"
	WorkspaceProbeResultTimeout WorkspaceProbeResult = "Timeout"
)

type WorkspaceActivityRules struct {
	// +kubebuilder:validation:Optional
	PauseWorkspace *WorkspaceActivityPauseRule `json:"pauseWorkspace,omitempty"`
}

type WorkspaceActivityPauseRule struct {
	// +kubebuilder:default=0
	// +kubebuilder:example=1707667200000
	EligibleAfter int64 `json:"eligibleAfter"`
}

type WorkspacePodOptionsStatus struct {
	ImageConfig WorkspacePodOptionInfo `json:"imageConfig"`

	PodConfig WorkspacePodOptionInfo `json:"podConfig"`
}

type WorkspacePodOptionInfo struct {
	// +kubebuilder:validation:Optional
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	Desired string `json:"desired,omitempty"`

	// +kubebuilder:validation:Optional
	RedirectChain []WorkspacePodOptionRedirectStep `json:"redirectChain,omitempty"`
}

type WorkspacePodOptionRedirectStep struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	Source string `json:"source"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	Target string `json:"target"`
}

type WorkspacePodStatus struct {
	Name string `json:"name"`

	NodeName string `json:"nodeName"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:example="ws-my-workspace"
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// +kubebuilder:validation:Optional
	Containers []WorkspacePodContainer `json:"containers,omitempty"`

	// +kubebuilder:validation:Optional
	InitContainers []WorkspacePodContainer `json:"initContainers,omitempty"`
}

type WorkspacePodContainer struct {
	Name string `json:"name"`
}

// +kubebuilder:validation:Enum:={"Running","Terminating","Paused","Pending","Error","Unknown"}
type WorkspaceState string

const (
	WorkspaceStateRunning     WorkspaceState = "Running"
	WorkspaceStateTerminating WorkspaceState = "Terminating"
	WorkspaceStatePaused      WorkspaceState = "Paused"
	WorkspaceStatePending     WorkspaceState = "Pending"
	WorkspaceStateError       WorkspaceState = "Error"
	WorkspaceStateUnknown     WorkspaceState = "Unknown"
)

// +kubebuilder:object:root=true
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.state",description="The current state of the Workspace"
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ws

type Workspace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   WorkspaceSpec   `json:"spec,omitempty"`
	Status WorkspaceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

type WorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workspace `json:"items"`
}

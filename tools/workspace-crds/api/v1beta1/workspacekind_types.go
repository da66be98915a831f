// The Notebooks 2.0 API types of Kubeflow's workspaces controller, transcribed (declarations, JSON tags and
// kubebuilder markers only) so that controller-gen can regenerate the workspacekind CRD here (generate.sh).
//
// Source: github.com/kubeflow/notebooks, workspaces/controller/api/v1beta1/workspacekind_types.go
// at tag v2.0.0-beta.0 (commit 3ebd2e4f543a9ead1ae98fcf69f661a94d284e16). Every declaration and marker is
// in the same order as there; marker lines are verbatim (controller-gen reads a marker from one line, so the
// long CEL rules stay unwrapped: scripts/line-length.mjs exempts these two files);
// prose comments, the license block and the init() registration are left out (controller-gen's crd generator
// reads types and markers only). Copyright 2024 The Kubeflow Authors. Licensed under the Apache License,
// Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0). Changed: comments removed, registration left out.

package v1beta1

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	DefaultProbeIntervalSeconds int32 = 3600

	DefaultMinProbeIntervalSeconds int32 = 300

	DefaultPodExecTimeoutSeconds int32 = 60
)

// +kubebuilder:validation:MinLength:=1
// +kubebuilder:validation:MaxLength:=32
// +kubebuilder:validation:Pattern:=^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$
type PortId string

type WorkspaceKindSpec struct {

	Spawner WorkspaceKindSpawner `json:"spawner"`

	PodTemplate WorkspaceKindPodTemplate `json:"podTemplate"`

	// +kubebuilder:validation:Optional
	// +listType:="atomic"
	ActivityRules []ActivityRule `json:"activityRules,omitempty"`

	// +kubebuilder:validation:Optional
	// +listType:="atomic"
	FilterRules []FilterRule `json:"filterRules,omitempty"`
}

type ActivityRule struct {
	Config ActivityRuleConfig `json:"config"`

	// +kubebuilder:validation:Optional
	Match *ActivityRuleMatch `json:"match,omitempty"`

	Effect ActivityRuleEffect `json:"effect"`
}

type ActivityRuleConfig struct {
	// +kubebuilder:validation:Minimum:=16
	SecondsSinceActive int32 `json:"secondsSinceActive"`

	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:default:=0
	// +kubebuilder:validation:Optional
	MinRunningSeconds *int32 `json:"minRunningSeconds,omitempty"`
}

type ActivityRuleMatch struct {
	// +kubebuilder:validation:Optional
	MatchNamespace *NamespaceMatch `json:"matchNamespace,omitempty"`

	// +kubebuilder:validation:Optional
	MatchPodConfig *PodConfigMatch `json:"matchPodConfig,omitempty"`
}

type NamespaceMatch struct {
	Selector metav1.LabelSelector `json:"selector"`
}

type PodConfigMatch struct {
	Selector metav1.LabelSelector `json:"selector"`
}

// +kubebuilder:validation:XValidation:message="must specify at least one effect",rule="has(self.pauseWorkspace)"
type ActivityRuleEffect struct {
	// +kubebuilder:validation:Optional
	PauseWorkspace *bool `json:"pauseWorkspace,omitempty"`
}

type WorkspaceKindSpawner struct {
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=128
	// +kubebuilder:example:="JupyterLab Notebook"
	DisplayName string `json:"displayName"`

	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=4096
	// +kubebuilder:example:="A Workspace which runs JupyterLab in a Pod"
	Description string `json:"description"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:default:=false
	Hidden *bool `json:"hidden,omitempty"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:default:=false
	Deprecated *bool `json:"deprecated,omitempty"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example:="This WorkspaceKind will be removed on 20XX-XX-XX, please use another WorkspaceKind."
	DeprecationMessage *string `json:"deprecationMessage,omitempty"`

	Icon WorkspaceKindAsset `json:"icon"`

	Logo WorkspaceKindAsset `json:"logo"`
}

// +kubebuilder:validation:XValidation:message="must specify exactly one of 'url' or 'configMap'",rule="!(has(self.url) && has(self.configMap)) && (has(self.url) || has(self.configMap))"
type WorkspaceKindAsset struct {
	// +kubebuilder:validation:Optional
	// +kubebuilder:example="https://jupyter.org/assets/favicons/apple-touch-icon-152x152.png"
	Url *string `json:"url,omitempty"`

	// +kubebuilder:validation:Optional
	ConfigMap *WorkspaceKindAssetConfigMap `json:"configMap,omitempty"`
}

type WorkspaceKindAssetConfigMap struct {
	// +kubebuilder:example="my-logos"
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
	Name string `json:"name"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=63
	// +kubebuilder:validation:Pattern:=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
	// +kubebuilder:example="kubeflow"
	Namespace string `json:"namespace"`

	// +kubebuilder:example="jupyterlab-logo.svg"
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^[-._a-zA-Z0-9]+$
	Key string `json:"key"`

	// +kubebuilder:example="image/svg+xml"
	MediaType WorkspaceKindAssetMediaType `json:"mediaType"`
}

// +kubebuilder:validation:Enum:={"image/svg+xml"}
type WorkspaceKindAssetMediaType string

const (
	WorkspaceKindAssetMediaTypeSVG WorkspaceKindAssetMediaType = "image/svg+xml"
)

type WorkspaceKindPodTemplate struct {
	// +kubebuilder:validation:Optional
	PodMetadata *WorkspaceKindPodMetadata `json:"podMetadata,omitempty"`

	// +kubebuilder:validation:Optional
	ServiceAccount *WorkspaceKindServiceAccount `json:"serviceAccount,omitempty"`

	// +kubebuilder:validation:Optional
	ActivityProbe *ActivityProbe `json:"activityProbe,omitempty"`

	// +kubebuilder:validation:Optional
	Probes *WorkspaceKindProbes `json:"probes,omitempty"`

	VolumeMounts WorkspaceKindVolumeMounts `json:"volumeMounts"`

	// +kubebuilder:validation:MinItems:=1
	// +listType:="map"
	// +listMapKey:="id"
	Ports []WorkspaceKindPort `json:"ports"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:example:={ "NB_PREFIX": "{{ httpPathPrefix 'jupyterlab' }}" }
	// +listType:="map"
	// +listMapKey:="name"
	ExtraEnv []v1.EnvVar `json:"extraEnv,omitempty"`

	// +kubebuilder:validation:Optional
	// +listType:="map"
	// +listMapKey:="mountPath"
	ExtraVolumeMounts []v1.VolumeMount `json:"extraVolumeMounts,omitempty"`

	// +kubebuilder:validation:Optional
	// +listType:="map"
	// +listMapKey:="name"
	ExtraVolumes []v1.Volume `json:"extraVolumes,omitempty"`

	// +kubebuilder:validation:Optional
	SecurityContext *v1.PodSecurityContext `json:"securityContext,omitempty"`

	// +kubebuilder:validation:Optional
	ContainerSecurityContext *v1.SecurityContext `json:"containerSecurityContext,omitempty"`

	Options WorkspaceKindPodOptions `json:"options"`
}

type WorkspaceKindPort struct {
	// +kubebuilder:example="jupyterlab"
	Id PortId `json:"id"`

	// +kubebuilder:example:="HTTP"
	Protocol ImagePortProtocol `json:"protocol"`

	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=64
	// +kubebuilder:example:="JupyterLab"
	DefaultDisplayName string `json:"defaultDisplayName"`

	// +kubebuilder:validation:Optional
	HTTPProxy *HTTPProxy `json:"httpProxy,omitempty"`
}

type WorkspaceKindPodMetadata struct {
	// +kubebuilder:validation:Optional
	Labels map[string]string `json:"labels,omitempty"`

	// +kubebuilder:validation:Optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

type WorkspaceKindServiceAccount struct {
	// +kubebuilder:validation:Optional
	// +listType:="map"
	// +listMapKey:="name"
	// +kubebuilder:example={{name: "kubeflow-edit"}}
	ClusterRoles []WorkspaceKindClusterRole `json:"clusterRoles,omitempty"`
}

type WorkspaceKindClusterRole struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +kubebuilder:validation:Pattern:=^([^./%][^/%]*|\.[^./%][^/%]*|\.[^/%][^/%]+)$
	// +kubebuilder:example:="kubeflow-edit"
	Name string `json:"name"`
}

// +kubebuilder:validation:XValidation:message="must specify exactly one of 'podExec' or 'jupyter'",rule="!(has(self.podExec) && has(self.jupyter)) && (has(self.podExec) || has(self.jupyter))"
// +kubebuilder:validation:XValidation:message="minProbeIntervalSeconds must be less than or equal to probeIntervalSeconds",rule="self.minProbeIntervalSeconds <= self.probeIntervalSeconds"
type ActivityProbe struct {
	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=31536000
	// +kubebuilder:default:=300
	// +kubebuilder:validation:Optional
	MinProbeIntervalSeconds *int32 `json:"minProbeIntervalSeconds,omitempty"`

	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=31536000
	// +kubebuilder:default:=3600
	// +kubebuilder:validation:Optional
	ProbeIntervalSeconds *int32 `json:"probeIntervalSeconds,omitempty"`

	// +kubebuilder:validation:Optional
	PodExec *ActivityProbePodExec `json:"podExec,omitempty"`

	// +kubebuilder:validation:Optional
	Jupyter *ActivityProbeJupyter `json:"jupyter,omitempty"`
}

type ActivityProbePodExec struct {
	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:default:=60
	// +kubebuilder:validation:Optional
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=2048
	Script string `json:"script"`
}

// +kubebuilder:validation:XValidation:message="'lastActivity' must be true",rule="has(self.lastActivity) && self.lastActivity"
type ActivityProbeJupyter struct {
	// +kubebuilder:example=true
	LastActivity bool `json:"lastActivity"`

	PortId PortId `json:"portId"`
}

type WorkspaceKindProbes struct {
	// +kubebuilder:validation:Optional
	StartupProbe *v1.Probe `json:"startupProbe,omitempty"`

	// +kubebuilder:validation:Optional
	LivenessProbe *v1.Probe `json:"livenessProbe,omitempty"`

	// +kubebuilder:validation:Optional
	ReadinessProbe *v1.Probe `json:"readinessProbe,omitempty"`
}

type WorkspaceKindVolumeMounts struct {
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=4096
	// +kubebuilder:validation:Pattern:=^/[^/].*$
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="mount path of 'home' is immutable"
	// +kubebuilder:example:="/home/jovyan"
	Home string `json:"home"`
}

type HTTPProxy struct {
	// +kubebuilder:validation:Optional
	// +kubebuilder:default:=false
	RemovePathPrefix *bool `json:"removePathPrefix,omitempty"`

	// +kubebuilder:validation:Optional
	RequestHeaders *IstioHeaderOperations `json:"requestHeaders,omitempty"`
}

type IstioHeaderOperations struct {
	// +kubebuilder:validation:Optional
	// +kubebuilder:example:={ "X-RStudio-Root-Path": "{{ httpPathPrefix 'rstudio' }}" }
	Set map[string]string `json:"set,omitempty"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:example:={ "My-Header": "value-to-append" }
	Add map[string]string `json:"add,omitempty"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:example:={"Header-To-Remove"}
	Remove []string `json:"remove,omitempty"`
}

type WorkspaceKindPodOptions struct {
	ImageConfig ImageConfig `json:"imageConfig"`

	PodConfig PodConfig `json:"podConfig"`
}

type ImageConfig struct {
	Spawner OptionsSpawnerConfig `json:"spawner"`

	// +kubebuilder:validation:MinItems:=1
	// +listType:="map"
	// +listMapKey:="id"
	Values []ImageConfigValue `json:"values"`
}

type ImageConfigValue struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example:="jupyterlab_scipy_190"
	Id string `json:"id"`

	Spawner OptionSpawnerInfo `json:"spawner"`

	// +kubebuilder:validation:Optional
	Redirect *OptionRedirect `json:"redirect,omitempty"`

	Spec ImageConfigSpec `json:"spec"`
}

type ImageConfigSpec struct {
	// +kubebuilder:validation:MinLength:=2
	// +kubeflow:example="ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.7.0"
	Image string `json:"image"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:default:="IfNotPresent"
	// +kubebuilder:validation:Enum:={"Always","IfNotPresent","Never"}
	ImagePullPolicy *v1.PullPolicy `json:"imagePullPolicy"`

	// +kubebuilder:validation:MinItems:=1
	// +listType:="map"
	// +listMapKey:="id"
	Ports []ImagePort `json:"ports"`
}

type ImagePort struct {
	// +kubebuilder:example="jupyterlab"
	Id PortId `json:"id"`

	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=65535
	// +kubebuilder:example:=8888
	Port int32 `json:"port"`

	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=64
	// +kubebuilder:validation:Optional
	DisplayName *string `json:"displayName,omitempty"`
}

// +kubebuilder:validation:Enum:={"HTTP"}
type ImagePortProtocol string

const (
	ImagePortProtocolHTTP ImagePortProtocol = "HTTP"
)

type PodConfig struct {
	Spawner OptionsSpawnerConfig `json:"spawner"`

	// +kubebuilder:validation:MinItems:=1
	// +listType:="map"
	// +listMapKey:="id"
	Values []PodConfigValue `json:"values"`
}

type PodConfigValue struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example="big_gpu"
	Id string `json:"id"`

	Spawner OptionSpawnerInfo `json:"spawner"`

	// +kubebuilder:validation:Optional
	Redirect *OptionRedirect `json:"redirect,omitempty"`

	Spec PodConfigSpec `json:"spec"`
}

type PodConfigSpec struct {
	// +kubebuilder:validation:Optional
	Affinity *v1.Affinity `json:"affinity,omitempty"`

	// +kubebuilder:validation:Optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// +kubebuilder:validation:Optional
	Tolerations []v1.Toleration `json:"tolerations,omitempty"`

	// +kubebuilder:validation:Optional
	Resources *v1.ResourceRequirements `json:"resources,omitempty"`
}

type OptionsSpawnerConfig struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example="jupyterlab_scipy_190"
	Default string `json:"default"`
}

type OptionSpawnerInfo struct {
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=128
	DisplayName string `json:"displayName"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=1024
	Description *string `json:"description,omitempty"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:validation:MaxItems:=32
	// +listType:="map"
	// +listMapKey:="key"
	Labels []OptionSpawnerLabel `json:"labels,omitempty"`

	// +kubebuilder:validation:Optional
	// +kubebuilder:default:=false
	Hidden *bool `json:"hidden,omitempty"`
}

type OptionSpawnerLabel struct {
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=64
	Key string `json:"key"`

	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=64
	Value string `json:"value"`
}

type OptionRedirect struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example:="jupyterlab_scipy_190"
	To string `json:"to"`

	// +kubebuilder:validation:Optional
	Message *RedirectMessage `json:"message,omitempty"`
}

type RedirectMessage struct {
	// +kubebuilder:example:="Info"
	Level RedirectMessageLevel `json:"level"`

	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=1024
	// +kubebuilder:example:="This update will increase the version of JupyterLab to v1.7.1"
	Text string `json:"text"`
}

// +kubebuilder:validation:Enum:={"Info","Warning","Danger"}
type RedirectMessageLevel string

const (
	RedirectMessageLevelInfo    RedirectMessageLevel = "Info"
	RedirectMessageLevelWarning RedirectMessageLevel = "Warning"
	RedirectMessageLevelDanger  RedirectMessageLevel = "Danger"
)

type FilterRule struct {
	Scope FilterRuleScope `json:"scope"`

	Effect FilterRuleEffect `json:"effect"`

	// +kubebuilder:validation:MinItems:=1
	// +listType:="atomic"
	Match []FilterRuleMatch `json:"match"`
}

// +kubebuilder:validation:Enum:={"WORKSPACE_KIND","POD_CONFIG","IMAGE_CONFIG"}
type FilterRuleScope string

const (
	FilterRuleScopeWorkspaceKind FilterRuleScope = "WORKSPACE_KIND"

	FilterRuleScopePodConfig FilterRuleScope = "POD_CONFIG"

	FilterRuleScopeImageConfig FilterRuleScope = "IMAGE_CONFIG"
)

// +kubebuilder:validation:XValidation:message="must specify at least one of 'ui' or 'api'",rule="has(self.ui) || has(self.api)"
type FilterRuleEffect struct {
	// +kubebuilder:validation:Optional
	UI *FilterRuleEffectUI `json:"ui,omitempty"`

	// +kubebuilder:validation:Optional
	API *FilterRuleEffectAPI `json:"api,omitempty"`
}

type FilterRuleEffectUI struct {
	Hide bool `json:"hide"`
}

// +kubebuilder:validation:XValidation:message="'denyMessage' may only be set when 'deny' is true",rule="!has(self.denyMessage) || (has(self.deny) && self.deny)"
type FilterRuleEffectAPI struct {
	// +kubebuilder:validation:Optional
	Hide *bool `json:"hide,omitempty"`

	// +kubebuilder:validation:Optional
	Deny *bool `json:"deny,omitempty"`

	// +kubebuilder:validation:Optional
	DenyMessage *FilterRuleDenyMessage `json:"denyMessage,omitempty"`
}

type FilterRuleDenyMessage struct {
	// +kubebuilder:validation:MinLength:=2
	// +kubebuilder:validation:MaxLength:=1024
	Text string `json:"text"`
}

// +kubebuilder:validation:XValidation:message="must specify exactly one of 'matchNamespace', 'matchImageConfig', or 'matchPodConfig'",rule="(has(self.matchNamespace) ? 1 : 0) + (has(self.matchImageConfig) ? 1 : 0) + (has(self.matchPodConfig) ? 1 : 0) == 1"
type FilterRuleMatch struct {
	// +kubebuilder:validation:Optional
	MatchNamespace *FilterRuleSelector `json:"matchNamespace,omitempty"`

	// +kubebuilder:validation:Optional
	MatchImageConfig *FilterRuleSelector `json:"matchImageConfig,omitempty"`

	// +kubebuilder:validation:Optional
	MatchPodConfig *FilterRuleSelector `json:"matchPodConfig,omitempty"`
}

type FilterRuleSelector struct {
	Selector metav1.LabelSelector `json:"selector"`
}

type WorkspaceKindStatus struct {

	// +kubebuilder:default=0
	Workspaces int32 `json:"workspaces"`

	PodTemplateOptions PodTemplateOptionsMetrics `json:"podTemplateOptions"`

	SpawnerIcon ImageAssetStatus `json:"spawnerIcon"`

	SpawnerLogo ImageAssetStatus `json:"spawnerLogo"`
}

type ImageAssetStatus struct {
	// +kubebuilder:validation:Optional
	Sha256 string `json:"sha256,omitempty"`

	// +kubebuilder:validation:Optional
	ConfigMap *WorkspaceKindAssetConfigMapStatus `json:"configMap,omitempty"`
}

type WorkspaceKindAssetConfigMapStatus struct {
	// +kubebuilder:validation:Optional
	Error *ConfigMapError `json:"errorType,omitempty"`

	// +kubebuilder:validation:Optional
	ErrorMessage *string `json:"errorMessage,omitempty"`
}

// +kubebuilder:validation:Enum:={"NotFound","KeyNotFound","Other"}
type ConfigMapError string

const (
	ConfigMapErrorNotFound    ConfigMapError = "NotFound"
	ConfigMapErrorKeyNotFound ConfigMapError = "KeyNotFound"
	ConfigMapErrorOther       ConfigMapError = "Other"
)

type PodTemplateOptionsMetrics struct {
	// +listType:="map"
	// +listMapKey:="id"
	ImageConfig []OptionMetric `json:"imageConfig"`

	// +listType:="map"
	// +listMapKey:="id"
	PodConfig []OptionMetric `json:"podConfig"`
}

type OptionMetric struct {
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=256
	// +kubebuilder:example="big_gpu"
	Id string `json:"id"`

	// +kubebuilder:example=3
	Workspaces int32 `json:"workspaces"`
}

// +kubebuilder:object:root=true
// +kubebuilder:printcolumn:name="Workspaces",type="integer",JSONPath=".status.workspaces",description="The number of Workspaces using this WorkspaceKind"
// +kubebuilder:printcolumn:name="Deprecated",type="boolean",JSONPath=".spec.spawner.deprecated",description="If this WorkspaceKind is deprecated"
// +kubebuilder:printcolumn:name="Hidden",type="boolean",JSONPath=".spec.spawner.hidden",description="If this WorkspaceKind is hidden from the spawner UI"
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=wsk

type WorkspaceKind struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   WorkspaceKindSpec   `json:"spec,omitempty"`
	Status WorkspaceKindStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

type WorkspaceKindList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceKind `json:"items"`
}

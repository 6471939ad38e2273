{{/* Names: <release>-lobby, or fullnameOverride. */}}
{{- define "lobby.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lobby.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "lobby.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "lobby.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selects every pod of this release (NetworkPolicy peers). */}}
{{- define "lobby.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lobby.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The image, by digest when one is given. */}}
{{- define "lobby.image" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{/* A component's gRPC address: its Service in this release, or the address given for it. */}}
{{- define "lobby.serviceAddress" -}}
{{- $svc := index .root.Values.services .name -}}
{{- if $svc.enabled -}}
{{- printf "%s-%s:7000" (include "lobby.fullname" .root) .name -}}
{{- else -}}
{{- $svc.address -}}
{{- end -}}
{{- end -}}

{{- define "lobby.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "lobby.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secrets every Lobby pod reads, the chart's service token first (later ones win). */}}
{{- define "lobby.commonSecrets" -}}
{{- $names := list (printf "%s-service-token" (include "lobby.fullname" .)) -}}
{{- range .Values.secrets.existing }}{{ $names = append $names . }}{{ end -}}
{{- if .Values.secrets.create }}{{ $names = append $names (printf "%s-trial" (include "lobby.fullname" .)) }}{{ end -}}
{{- if and .Values.redis.bundled.enabled .Values.redis.bundled.passwordSecret (not (has .Values.redis.bundled.passwordSecret $names)) -}}
{{- $names = append $names .Values.redis.bundled.passwordSecret -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{- define "lobby.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "lobby.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Fails the render when Redis is configured neither way. */}}
{{- define "lobby.checkRedis" -}}
{{- if and (not .Values.redis.url) (not .Values.redis.bundled.enabled) -}}
{{- fail "redis: set redis.url to an external Redis or enable redis.bundled" -}}
{{- end -}}
{{- if and .Values.redis.url .Values.redis.bundled.enabled -}}
{{- fail "redis: redis.url and redis.bundled.enabled are both set; choose one" -}}
{{- end -}}
{{- end -}}

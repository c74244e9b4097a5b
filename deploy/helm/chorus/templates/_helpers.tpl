{{/* The release's resource names: <release>-chorus, or the release name alone when it says chorus already. */}}
{{- define "chorus.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "chorus.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "chorus.labels" -}}
{{ include "chorus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret with the server's secrets: an existing one, or the chart's. */}}
{{- define "chorus.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "chorus.fullname" .) -}}
{{- end -}}

{{/* Whether the chart makes a Secret: for the server's secrets, or a database/Redis URL given inline. */}}
{{- define "chorus.ownSecret" -}}
{{- if or (not .Values.secrets.existingSecret) (not .Values.database.existingSecret) (not .Values.redis.existingSecret) -}}true{{- end -}}
{{- end -}}

{{/* The files volume's claim. */}}
{{- define "chorus.filesClaim" -}}
{{- .Values.files.pvc.existingClaim | default (printf "%s-files" (include "chorus.fullname" .)) -}}
{{- end -}}

{{/*
The longest a pod may take to stop: preStop, then the server's drain and its watchdog (2 × timeout
+ 15 s), and 5 s more so that a watchdog exit still flushes its last log lines before SIGKILL.
*/}}
{{- define "chorus.terminationGrace" -}}
{{- add .Values.shutdown.preStopSleepSeconds (mul 2 .Values.shutdown.timeoutSeconds) 15 5 -}}
{{- end -}}

{{/* Marks the metrics Service, which the ServiceMonitor selects. */}}
{{- define "chorus.metricsLabel" -}}
app.kubernetes.io/component: metrics
{{- end -}}

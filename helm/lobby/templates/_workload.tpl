{{/*
One Lobby component: a Deployment running lobbyd with --services=NAME or --adapters=NAME, its
Service, and its HorizontalPodAutoscaler and PodDisruptionBudget when asked for.
Called with (dict "root" $ "name" NAME "role" "service"|"adapter" "v" VALUES).
*/}}
{{- define "lobby.workload" -}}
{{- $root := .root -}}
{{- $v := .v -}}
{{- $full := include "lobby.fullname" $root -}}
{{- $hotline := eq .name "hotline" -}}
{{- $autoscale := and (not $hotline) $v.autoscaling $v.autoscaling.enabled -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}-{{ .name }}
  labels:
    {{- include "lobby.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
    lobby.io/role: {{ .role }}
spec:
  {{- if $hotline }}
  replicas: 1
  {{- else if not $autoscale }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "lobby.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ .name }}
  template:
    metadata:
      labels:
        {{- include "lobby.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .name }}
        lobby.io/role: {{ .role }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # A changed setting rolls the pods.
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "lobby.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "lobby.podSecurityContext" $root | nindent 8 }}
      terminationGracePeriodSeconds: {{ $root.Values.config.terminationGracePeriodSeconds }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "lobby.selectorLabels" $root | nindent 14 }}
              app.kubernetes.io/component: {{ .name }}
      containers:
        - name: lobbyd
          image: {{ include "lobby.image" $root.Values.image | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- if eq .role "service" }}
            - --services={{ .name }}
            - --adapters=none
            {{- else }}
            - --services=none
            - --adapters={{ .name }}
            {{- if and (eq .name "gateway") $v.console }}
            - --console-dir=/usr/share/lobby/console
            {{- end }}
            {{- end }}
            {{- range $v.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ $full }}-config
            {{- range (include "lobby.commonSecrets" $root | fromJsonArray) }}
            - secretRef:
                name: {{ . }}
            {{- end }}
            {{- range $v.secrets }}
            - secretRef:
                name: {{ . }}
            {{- end }}
          {{- with $v.env }}
          env:
            {{- range $k, $val := . }}
            - name: {{ $k }}
              value: {{ $val | toString | quote }}
            {{- end }}
          {{- end }}
          ports:
            - name: grpc
              containerPort: 7000
              protocol: TCP
            - name: http
              containerPort: 7080
              protocol: TCP
          {{- if eq .role "service" }}
          # Ready while Redis answers and the process is not draining; alive while it answers at all.
          startupProbe:
            grpc: {port: 7000, service: liveness}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            grpc: {port: 7000}
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            grpc: {port: 7000, service: liveness}
            periodSeconds: 10
            failureThreshold: 3
          {{- else }}
          startupProbe:
            httpGet: {path: /livez, port: http}
            periodSeconds: 2
            failureThreshold: 30
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            httpGet: {path: /livez, port: http}
            periodSeconds: 10
            failureThreshold: 3
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "lobby.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}-{{ .name }}
  labels:
    {{- include "lobby.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
    lobby.io/role: {{ .role }}
spec:
  type: ClusterIP
  selector:
    {{- include "lobby.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
  ports:
    - name: grpc
      port: 7000
      targetPort: grpc
      appProtocol: grpc
    - name: http
      port: 7080
      targetPort: http
      appProtocol: http
{{- if $autoscale }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $full }}-{{ .name }}
  labels:
    {{- include "lobby.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $full }}-{{ .name }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
{{- if and (not $hotline) $v.pdb $v.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $full }}-{{ .name }}
  labels:
    {{- include "lobby.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  maxUnavailable: {{ $v.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "lobby.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ .name }}
{{- end }}
{{- end -}}

metadata name = 'Monitoring'
metadata description = 'Log Analytics, Application Insights (Entra-only ingestion), the on-call workbook and the log alert rules with their action group. The workbook and rules come from infra/monitoring/*.json, which the telemetry code owns.'

@description('Required. Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Required. Name of the action group the alerts notify.')
param actionGroupName string

@description('Required. Prefix of the alert rule names.')
param alertNamePrefix string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. E-mail address the alerts go to. Empty: the action group has no receiver (add one in the portal).')
param alertEmail string = ''

@description('Optional. Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Required. Resource id of the Service Bus namespace the dead-letter metric alerts watch.')
param serviceBusNamespaceResourceId string

@description('Optional. Deploy the alert rules enabled.')
param alertsEnabled bool = true

// Each rule: { name, description, severity, evaluationFrequency, windowSize, query, threshold, operator, timeAggregation }.
var alertRules = loadJsonContent('../monitoring/alerts.json')

// Each rule: { name, description, severity, evaluationFrequency, windowSize, metricNamespace, metricName, dimensions,
// threshold, operator, timeAggregation }: platform metrics of the Service Bus namespace (dead-lettered messages).
var metricAlertRules = loadJsonContent('../monitoring/metricAlerts.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Only Entra-authenticated ingestion (Monitoring Metrics Publisher): the connection string alone cannot write.
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'entrasync'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'on-call'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// A workbook's name must be a GUID; this one is stable per component so redeploys update it in place.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'entra-sync-trigger-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Entra Connect sync (${applicationInsightsName})'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('../monitoring/workbook.json')
  }
}

resource alerts 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in alertRules: {
    name: '${alertNamePrefix}-${rule.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.name
      description: rule.description
      severity: rule.severity
      enabled: alertsEnabled
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      scopes: [appInsights.id]
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.timeAggregation
            metricMeasureColumn: rule.?metricMeasureColumn
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [actionGroup.id]
      }
    }
  }
]

resource metricAlerts 'Microsoft.Insights/metricAlerts@2026-01-01' = [
  for rule in metricAlertRules: {
    name: '${alertNamePrefix}-${rule.name}'
    location: 'global'
    tags: tags
    properties: {
      description: rule.description
      severity: rule.severity
      enabled: alertsEnabled
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      scopes: [serviceBusNamespaceResourceId]
      autoMitigate: true
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: rule.name
            metricNamespace: rule.metricNamespace
            metricName: rule.metricName
            dimensions: rule.dimensions
            operator: rule.operator
            threshold: rule.threshold
            timeAggregation: rule.timeAggregation
          }
        ]
      }
      actions: [
        {
          actionGroupId: actionGroup.id
        }
      ]
    }
  }
]

@description('The resource id of Application Insights.')
output applicationInsightsResourceId string = appInsights.id

@description('The name of Application Insights.')
output applicationInsightsName string = appInsights.name

@description('The resource id of the Log Analytics workspace.')
output logAnalyticsResourceId string = workspace.id

@description('The resource id of the workbook.')
output workbookResourceId string = workbook.id

@description('Link to the workbook in the Azure portal (WORKBOOK_URL).')
output workbookUrl string = '${environment().portal}/#@${tenant().tenantId}/resource${workbook.id}/workbook'

@description('The names of the log alert rules.')
output alertRuleNames string[] = [for i in range(0, length(alertRules)): alerts[i].name]

@description('The names of the metric alert rules.')
output metricAlertRuleNames string[] = [for i in range(0, length(metricAlertRules)): metricAlerts[i].name]

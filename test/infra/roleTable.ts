/**
 * Built-in Azure role definition ids the infra may use, by role name (azure-notes §7.2, cross-checked against
 * Microsoft's built-in roles list). A role GUID in the Bicep must carry one of these names in its comment.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
    'Automation Job Operator': '4fe576fe-1146-4730-92eb-48519fa6bf9f',
    'Automation Runbook Operator': '5fb5aef8-1081-4b8e-bb16-9d5d0385bab5',
    'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
    'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
    'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    'Storage Table Data Reader': '76199698-9eea-4c19-bc75-cec21354c6b6',
    'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
};

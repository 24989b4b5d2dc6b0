# An IdLE joiner workflow that waits for the new account to be in Entra ID before it gives it an Entra ID group:
# create the AD account, trigger sync through entra-sync-trigger and wait, then the step that needs the cloud
# object. The sync step's ComputerName is the service's target id; the object and the run's correlation id reach
# the provider through the auth session (docs/IDLE.md).
#
# Request intent used here: SamAccountName, GivenName, Surname, UserPrincipalName, EntraSyncTarget (the target id,
# e.g. 'contoso'), AllEmployeesGroupId. Providers (New-IdlePlan -Providers): Directory (IdLE.Provider.AD),
# DirectorySync (New-IdleEntraSyncTriggerProvider), Identity (IdLE.Provider.EntraID), and AuthSessionBroker:
# New-IdleEntraSyncTriggerAuthSessionBroker answering 'EntraSyncTrigger', with IdLE's New-IdleAuthSessionBroker for
# 'Directory' and 'MicrosoftGraph' as its -FallbackBroker (docs/IDLE.md, "Set-up").
@{
    Name           = 'Joiner - AD account, entra-sync-trigger sync, Entra ID group'
    LifecycleEvent = 'Joiner'
    Description    = 'Creates the AD account, waits until entra-sync-trigger reports it synced and confirmed in Entra ID, then adds it to an Entra ID group.'

    Steps          = @(
        @{
            Name = 'Create AD account'
            Type = 'IdLE.Step.CreateIdentity'
            With = @{
                Provider        = 'Directory'
                AuthSessionName = 'Directory'
                IdentityKey     = '{{Request.Intent.SamAccountName}}'
                Attributes      = @{
                    GivenName         = '{{Request.Intent.GivenName}}'
                    Surname           = '{{Request.Intent.Surname}}'
                    UserPrincipalName = '{{Request.Intent.UserPrincipalName}}'
                }
            }
        }

        @{
            Name = 'Sync to Entra ID and wait for the account'
            Type = 'IdLE.Step.TriggerDirectorySync'
            With = @{
                Provider            = 'DirectorySync'
                AuthSessionName     = 'EntraSyncTrigger'
                # The object the service confirms in Entra ID (ENTRA_CONFIRMATION=on); IdLE adds the run's
                # CorrelationId, which makes a re-run of this plan a replay of the same request.
                AuthSessionOptions  = @{
                    Upn = '{{Request.Intent.UserPrincipalName}}'
                }
                ComputerName        = '{{Request.Intent.EntraSyncTarget}}'
                PolicyType          = 'Delta'
                Wait                = $true
                # With ENTRA_CONFIRMATION=on an object that replicates late costs one more cycle after
                # ENTRA_CONFIRMATION_RETRY_DELAY_SECONDS (120): 900 s covers that and a busy Connect server.
                TimeoutSeconds      = 900
                PollIntervalSeconds = 15
            }
        }

        @{
            Name = 'Add to the all-employees group in Entra ID'
            Type = 'IdLE.Step.EnsureEntitlement'
            With = @{
                Provider        = 'Identity'
                AuthSessionName = 'MicrosoftGraph'
                IdentityKey     = '{{Request.Intent.UserPrincipalName}}'
                Entitlement     = @{
                    Kind = 'Group'
                    Id   = '{{Request.Intent.AllEmployeesGroupId}}'
                }
                State           = 'Present'
            }
        }
    )
}

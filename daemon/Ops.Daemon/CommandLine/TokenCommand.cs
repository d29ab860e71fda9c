using System.CommandLine;
using Ops.Daemon.Configuration;
using Ops.Daemon.Security;

namespace Ops.Daemon.CommandLine;

/// <summary><c>opsd token new --name N --role R</c>: a new token and the config entry that holds only its hash.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Who holds the token (shown in logs, never the token)", Required = true };
        var role = new Option<TokenRole>("--role") { Description = "Admin (may act) or Viewer (may read)", DefaultValueFactory = _ => TokenRole.Viewer };
        var create = new Command("new", "Print a new token and the entry to add under Ops:Security:Tokens");
        create.Options.Add(name);
        create.Options.Add(role);
        create.SetAction(result =>
        {
            var holder = result.GetValue(name)!;
            var token = Tokens.New();
            Console.WriteLine($"token:  {token}");
            Console.WriteLine("config: " + OpsConfigReader.TokenEntryJson(holder, Tokens.Hash(token), result.GetValue(role)));
            Console.Error.WriteLine("Give the token to its holder (opsctl --token or OPS_TOKEN, or the console's login page); put only the config line in opsd.json. The token is not stored anywhere.");
            return 0;
        });

        var command = new Command("token", "Manage API and console tokens");
        command.Subcommands.Add(create);
        return command;
    }
}

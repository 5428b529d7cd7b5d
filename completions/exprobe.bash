# bash completion for exprobe                      -*- shell-script -*-
# Options and check ids come from the installed binary (--help, -V), so
# they never fall behind it.

_exprobe_checks()
{
    exprobe -V 2>/dev/null | sed -n 's/^features: checks //p' | tr ',' ' '
}

_exprobe()
{
    local cur prev words cword
    _init_completion -n : || return

    case $prev in
        -c|--checks)
            # LIST: ids, all, -ID; complete the last comma-separated item.
            local head=${cur%,*} item=${cur##*,} ids
            [[ $cur == *,* ]] && head+="," || head=""
            local minus=""
            [[ $item == -* ]] && minus="-" && item=${item#-}
            ids="all $(_exprobe_checks)"
            COMPREPLY=($(compgen -P "$head$minus" -W "$ids" -- "$item"))
            compopt -o nospace
            return ;;
        -f|--format)
            COMPREPLY=($(compgen -W 'text json jsonl junit' -- "$cur"))
            return ;;
        -o|--output|--domains-file|--expect|--baseline|--ca-file|--trust-anchor)
            _filedir
            return ;;
        --dns-server|--ip|--hosts|--dnsbl|--user|--timeout|--max-time|--ehlo|--ignore|\
        --parallel|--per-address|--connect-to|--explain|--expiry-warn-days)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(exprobe --help 2>/dev/null |
            grep -oE -- '(^|[ ,])--?[a-zA-Z0-9][-a-zA-Z0-9]*' | tr -d ' ,' | sort -u)" -- "$cur"))
        return
    fi
} &&
    complete -F _exprobe exprobe
